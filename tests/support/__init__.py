"""Test-only helpers: a moto server in a subprocess and a fault-injecting HTTP proxy."""
