"""Pages of the quality loop. Thin: each POST calls one service; a refusal becomes a flash message."""
