"""Pages of the technician app (phone-sized), customer mode, and the customer's public pages."""
