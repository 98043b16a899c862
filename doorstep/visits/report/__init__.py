"""The service report (R-CO-1, R-CO-5): the PDF and its delivery to the order and the tracking page."""
