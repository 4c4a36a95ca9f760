testServerTiming(document.currentScript, [{"name":"metric","dur":0}])
