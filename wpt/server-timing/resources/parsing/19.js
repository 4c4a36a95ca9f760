testServerTiming(document.currentScript, [{"name":"metric","desc":"descr\"iption"}])
