"""The edge agent that runs on kiosks and BLE gateways."""
