"""API endpoints: referrals."""
