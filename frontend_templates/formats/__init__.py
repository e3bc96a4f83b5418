"""Date and number formats for the interface languages Django has no locale for
(FORMAT_MODULE_PATH): each minority language uses Vietnamese formats."""
