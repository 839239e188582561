// Vite's client types: CSS and asset imports resolve to modules for the type checker.
/// <reference types="vite/client" />
