"""The review side of the audit trail: reviewer accounts, sessions and the queries they run."""
