"""The staff account record every part reads: accounts, roles, who receives new cases."""
