"""Geography: the site's local metric frame, borders and sectors, camera georeferencing."""
