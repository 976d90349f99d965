"""Client addresses as rate limits count them."""
import ipaddress


def client_bucket(address: str | None) -> str:
    """The rate-limit key of a client address: IPv6 clients get a /64 each, not one per address."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
