"""Mentoring: matching mentees with mentors."""
