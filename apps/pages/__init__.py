"""One module per page of the app.

``latihan`` (trainee), ``pelatih`` (trainer), ``ringkasan`` (evaluator), plus ``cards`` (HTML of
a practice case).
"""
