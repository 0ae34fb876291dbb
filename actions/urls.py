from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path("conventions/<int:pk>/plan/", views.tab, name="tab"),
]
