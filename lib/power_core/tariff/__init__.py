"""Rate menus, the formula language and rating."""
