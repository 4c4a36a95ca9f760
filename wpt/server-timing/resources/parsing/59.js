testServerTiming(document.currentScript, [{"name":"metric","dur":0,"desc":"description"}])
