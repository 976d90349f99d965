"""Applicants online (art. 15-17): sign-in by phone, identity on file, online applications and
supplements, "my cases", the public progress lookup."""
