"""Image to readings: preprocessing, identification, alignment, OMR and recognition."""
