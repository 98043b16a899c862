"""Payment (R-CO-2): the terms from the accepted quote, electronic payment through a recorded intent, cash
with its receipt."""
