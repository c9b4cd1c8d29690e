public enum CanaryWirePlaceholder {}
