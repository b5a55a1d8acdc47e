"""The site picture: sensor scans → fused site tracks → site rules → events, map tracks."""
