from django.urls import path

from . import views

app_name = "pilotage"

urlpatterns = [
    path("conventions/<int:pk>/pilotage/", views.tab, name="tab"),
]
