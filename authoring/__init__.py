"""Template authoring: draft a template from a blank scan, check it on filled scans (issue 8)."""
