from django.urls import path

from . import views

app_name = "diagnostic"

urlpatterns = [
    path("conventions/<int:pk>/diagnostic/", views.tab, name="tab"),
]
