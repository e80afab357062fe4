"""The doubt check (B.3) and escalation (B.2) workflows: state machines, authorisation, audit."""
