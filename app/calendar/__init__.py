"""Chinese working days: statutory holidays off, adjusted weekend workdays (调休) on."""
