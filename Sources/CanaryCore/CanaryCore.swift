public enum CanaryCorePlaceholder {}
