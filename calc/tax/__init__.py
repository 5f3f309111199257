"""Motor-vehicle taxation: jurisdiction and rates (:mod:`.jurisdiction`), sales (:mod:`.sale`),
leases (:mod:`.lease`) and the explanation trail every step writes to (:mod:`.trace`)."""
