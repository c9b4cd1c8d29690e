import CanaryWire

/// A message the engine wants sent: to one agent over the ROUTER (by its
/// routing id), or to every agent over the PUB.
public enum Outbound: Sendable, Equatable {
    case reply(routingID: [UInt8], WireMessage)
    case publish(WireMessage)
}
