package xdisplay

// abstractSockets: Linux has the abstract socket namespace, where X servers
// also listen.
const abstractSockets = true
