"""The hall server's database: models, engine and unit of work, migrations."""
