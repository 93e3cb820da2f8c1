"""setcodes.py - the category shorthand the blind-round writers used in their
case lists (make_blind*.py), kept in one place."""

CAT = {"FR": "facility_repair", "EL": "elevator", "SA": "sanitation", "PK": "parking",
       "PS": "property_service_complaint", "MF": "maintenance_fund",
       "ND": "neighbor_dispute", "CA": "committee_affairs", "PT": "property_transition",
       "IC": "illegal_construction", "BN": "business_nuisance", "BQ": "building_quality",
       "PL": "planning", "SP": "school_places", "SEC": "public_security",
       "FS": "fire_safety", "PO": "pollution", "UT": "utilities",
       "MU": "municipal_facilities", "SO": "social_assistance", "CO": "consultation",
       "UN": "unclassified"}
