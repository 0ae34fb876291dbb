from django.shortcuts import render

from conventions.access import convention_view, workspace


@convention_view
def tab(request, convention):
    return render(request, "diagnostic/tab.html", workspace(convention, "diagnostic"))
