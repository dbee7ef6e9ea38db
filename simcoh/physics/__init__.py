"""Nuclear data and interaction physics: nuclei and targets, form factors, CEvNS cross sections."""
