# Region profiles: one YAML file per region. This file only makes the folder installable.
