// Public surface of the storage layer (see DESIGN.md). Empty until its issue lands; other layers import
// only what this file lists.
export {};
