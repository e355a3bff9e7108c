from django.urls import path

from comments import views

app_name = "comments"
urlpatterns = [
    path("c/<int:pk>/", views.comment_link, name="link"),
    path("members/<slug:handle>/", views.member_profile, name="profile"),
    path("account/posts/", views.own_posts, name="own-posts"),
    path("articles/<slug:slug>/comments/", views.post_comment, name="post"),
    path("articles/<slug:slug>/comments/feed/", views.article_comments_feed, name="article-feed"),
    path("comments/feed/", views.latest_comments_feed, name="feed"),
    path("articles/<slug:slug>/comments/order/", views.set_order, name="order"),
    path("comments/<int:pk>/edit/", views.edit_comment, name="edit"),
    path("comments/<int:pk>/delete/", views.delete_comment, name="delete"),
    path("comments/<int:pk>/report/", views.report_comment, name="report"),
    path("comments/<int:pk>/hug/", views.hug_comment, name="hug"),
    path("comments/replies-off/<str:token>/", views.replies_off, name="replies-off"),
    path("comments/digest-off/<str:token>/", views.digest_off, name="digest-off"),
    path("comments/appeal/<str:token>/", views.appeal, name="appeal"),
    path("comments/<int:pk>/picture/<str:size>/", views.picture, name="picture"),
]
