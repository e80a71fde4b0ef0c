"""Putting the policy into the binary: the runtime object, the filter section, the options."""
