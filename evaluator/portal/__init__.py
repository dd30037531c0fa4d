"""Vendor portal: vendors send their profile, case studies and written answers through a link."""
