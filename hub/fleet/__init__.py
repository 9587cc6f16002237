"""Fleet security: broker credentials and ACLs made from the store configs, the store's
certificate authority, device and broker certificates, and revocation."""
