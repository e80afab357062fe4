"""The platform-free core of the social-media protocol assistant."""
