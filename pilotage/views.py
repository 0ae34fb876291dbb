from django.shortcuts import render

from conventions.access import convention_view, workspace


@convention_view
def tab(request, convention):
    return render(request, "pilotage/tab.html", workspace(convention, "pilotage"))
