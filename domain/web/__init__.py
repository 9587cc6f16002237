"""What every web app the project serves shares, the kiosk screen and the hub's
dashboard, phone pages and map alike: one header policy, one way to answer errors
(``application/problem+json`` for APIs, an HTML page for a browser), and one Jinja setup
with the language picker."""
