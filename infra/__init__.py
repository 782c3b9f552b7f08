"""Infrastructure: the one resource definition, provisioning and the local stack."""
