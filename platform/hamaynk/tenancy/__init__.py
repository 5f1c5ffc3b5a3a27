"""Tenancy plumbing: municipalities, their hosts, and everything keyed per municipality."""
