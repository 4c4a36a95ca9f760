testServerTiming(document.currentScript, [{"name":"metric","dur":123.4}])
