"""The project's broker config takes no anonymous client and no wrong password, whatever
else a store sets (the template has no switch for it)."""

from __future__ import annotations

import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from simulators.broker import Mosquitto
from tests.broker.conftest import LOGIN


def connects(port: int, login: tuple[str, str] | None) -> bool:
    answered = threading.Event()
    accepted: list[bool] = []

    def on_connect(c: mqtt.Client, u: object, f: object, reason: ReasonCode, p: object) -> None:
        accepted.append(not reason.is_failure)
        answered.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_connect = on_connect
    if login is not None:
        client.username_pw_set(*login)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        assert answered.wait(10), "the broker did not answer"
    finally:
        client.loop_stop()
        client.disconnect()
    return accepted[0]


def test_anonymous_and_wrong_passwords_are_refused(broker: Mosquitto) -> None:
    port = broker.settings.port
    assert "allow_anonymous false" in broker.conf_path.read_text()
    assert not connects(port, None)
    assert not connects(port, (LOGIN[0], "not-the-password"))
    assert not connects(port, ("nobody", LOGIN[1]))
    assert connects(port, LOGIN)
