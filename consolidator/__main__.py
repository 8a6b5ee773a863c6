from consolidator.cli import entry

entry()
