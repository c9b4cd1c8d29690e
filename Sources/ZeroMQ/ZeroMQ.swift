import CZeroMQ
public enum ZeroMQPlaceholder {}
