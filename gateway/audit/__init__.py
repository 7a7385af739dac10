"""The audit trail: how decisions are recorded, verified and reviewed."""
