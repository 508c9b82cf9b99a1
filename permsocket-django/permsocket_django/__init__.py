"""permsocket for Django Channels: JWT auth on the socket, Django permissions pushed to the client."""
