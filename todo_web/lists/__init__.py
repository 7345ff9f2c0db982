"""Lists: the user's own lists (projects), with their Inbox, and the routes to manage them."""
