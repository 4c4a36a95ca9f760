testServerTiming(document.currentScript, [{"name":"aB3!#$%&'*+-.^_`|~"}])
